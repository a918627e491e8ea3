PATH = Path(__file__).parent.parent / 'examples'
