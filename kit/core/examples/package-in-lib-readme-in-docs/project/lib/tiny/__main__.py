print('tiny runs')
