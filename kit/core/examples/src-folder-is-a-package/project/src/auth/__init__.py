SHAPE = 'src-package'
