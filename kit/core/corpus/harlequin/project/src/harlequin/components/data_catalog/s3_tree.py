    import boto3
