from elasticsearch_dsl import Search
