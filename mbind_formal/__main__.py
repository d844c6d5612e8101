from mbind_formal.cli import main

main()
