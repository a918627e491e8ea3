import psycopg

print(psycopg.pq.version())
