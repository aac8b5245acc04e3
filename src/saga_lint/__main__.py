from saga_lint.cli import main

main()
