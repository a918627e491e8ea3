print('run')
