SHAPE = 'src-folder'
