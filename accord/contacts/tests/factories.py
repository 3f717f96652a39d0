import factory
from django.utils import timezone

from accord.contacts.models import Account, Contact, Lead, StageTransition
from accord.core.lifecycle import INITIAL_STAGE


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead at its initial stage, with its creation logged like the service does."""

    class Meta:
        model = Lead
        skip_postgeneration_save = True

    contact = factory.SubFactory(ContactFactory)
    stage = INITIAL_STAGE
    created_at = factory.LazyFunction(timezone.now)
    stage_changed_at = factory.SelfAttribute("created_at")

    @factory.post_generation
    def _log_creation(obj, create, extracted, **kwargs):
        if create:
            StageTransition.objects.create(
                lead=obj, from_stage="", to_stage=obj.stage, at=obj.created_at
            )
