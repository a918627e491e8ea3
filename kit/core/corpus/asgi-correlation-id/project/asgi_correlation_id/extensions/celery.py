    from celery import Task
