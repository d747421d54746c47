import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from centres.models import Centre
from tests.factories import CentreFactory

@pytest.mark.django_db
def test_sql():
    c = CentreFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        Centre.objects.select_for_update().filter(pk=c.pk).exists()
    print(ctx.captured_queries[-1]["sql"])
