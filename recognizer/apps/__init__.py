"""The frontends and the command line: `cli` defines every subcommand's arguments and imports
a frontend only when its subcommand runs (`predict`, `photos`, `score`, `webcam`, and the
drawing app in `recognizer.drawing.app`). A new frontend is a module here with a
`run(args)` function, and an `add_...` function in `cli`."""
