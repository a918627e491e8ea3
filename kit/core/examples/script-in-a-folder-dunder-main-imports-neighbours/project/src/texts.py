GREETING = 'bot started'
