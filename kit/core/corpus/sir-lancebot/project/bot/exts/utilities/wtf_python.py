        Parses the README.md into a dict.
