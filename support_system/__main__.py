from support_system.cli import main

main()
