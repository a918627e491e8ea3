print('bot started')
