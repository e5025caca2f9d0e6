from invite.cli import main

main()
