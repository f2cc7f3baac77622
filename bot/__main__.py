try:
    from bot.cli.main import main

    code = main()
except KeyboardInterrupt:  # Ctrl-C while the program loads (a second or more) or starts
    code = 130  # as main() ends an interrupted command: the shell's code, no traceback

raise SystemExit(code)
