with (ROOT / 'DEPENDENCIES.md').open('w') as output_file:
