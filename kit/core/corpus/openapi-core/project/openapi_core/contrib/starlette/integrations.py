from aioitertools.itertools import tee as atee
