from django.test import TestCase


class IndexTests(TestCase):
    def test_the_index_names_the_shape(self):
        answer = self.client.get("/")
        self.assertEqual(answer.json(), {"shape": "django-tests-for-djangos-runner"})
