import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from tests.reports.factories import full_workshop, workshop_with_copies


@pytest.fixture
def ws(db):
    return full_workshop()


@pytest.fixture
def wsc(db):
    """full_workshop with rounds named, observers, and pulled and carried copies."""
    return workshop_with_copies()


@pytest.fixture
def facilitator(db):
    user = get_user_model().objects.create_user("fac", password="pw-fac-123!")
    group, _ = Group.objects.get_or_create(name="facilitators")
    group.permissions.add(*Permission.objects.filter(codename__in=["facilitate", "export"]))
    user.groups.add(group)
    return user


@pytest.fixture
def fac_client(client, facilitator):
    client.force_login(facilitator)
    return client
