"""What every signed-in request needs (the person, their memberships, their EQA grants), kept in the shared cache
and never read once it has changed.

Each person has a **generation**: a random token in the cache, replaced (`forget_person`) after every committed
change of what is cached about them. A few facts shared by everyone (the centres) have a generation of their own
(`forget_shared`). A cached value is stored with the generations it was read under and is used only while they
are all still current, so a change takes effect on the very next request in every process that shares the cache
(Redis in production; one process's memory when embedded).

The generations are read in the same round trip as the value, *before* the database is asked: a value computed
from rows read before a change is stored under the generation the change replaced, so no reader ever takes it.
A missing generation (never set, evicted, or dropped after a Redis outage) gets a new random token, which no
stored value carries. Keys name a fingerprint of the cached models' fields and of the secret key, so a deploy
that changes either reads nothing an earlier release stored.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from functools import cache as memoise
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import router, transaction
from django.db.models.base import ModelState
from django.db.models.fields.files import FieldFile

T = TypeVar("T")

# Bump when what is stored changes shape in a way the model fields do not show.
LAYOUT = 2
VALUE_SECONDS = 60 * 60
GENERATION_SECONDS = 7 * 24 * 60 * 60
# Models whose fields the cached values hold: a field added, removed or renamed changes every key.
CACHED_MODELS = ("accounts.User", "centres.Centre", "centres.Membership", "moderation.EqaGrant")


@memoise
def key_prefix() -> str:
    fields = []
    for label in CACHED_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        fields.append(label + ":" + ",".join(f.attname for f in model._meta.concrete_fields))
    secret = hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()[:8]
    digest = hashlib.sha256(f"{LAYOUT}|{'|'.join(fields)}|{secret}".encode()).hexdigest()[:12]
    return f"leap:rc:{digest}:"


def _person_key(user_id: int) -> str:
    return f"{key_prefix()}gen:person:{user_id}"


def _shared_key(name: str) -> str:
    return f"{key_prefix()}gen:shared:{name}"


def _value_key(name: str, user_id: int) -> str:
    return f"{key_prefix()}{name}:{user_id}"


# Values read in the same round trip as the signed-in person's own row (accounts.middleware): name -> the shared
# generations each is read under. A higher layer registers what it needs on every request (its memberships, say).
_ALONG_WITH_PERSON: dict[str, tuple[str, ...]] = {}


def read_along_with_person(name: str, *, shared: Iterable[str] = ()) -> None:
    _ALONG_WITH_PERSON[name] = tuple(shared)


class Fetched:
    """What one round trip brought back: the keys asked for, and those found. Each value is handed out once."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = set(keys)
        self.found = cache.get_many(keys)

    def take(self, keys: list[str]) -> dict | None:
        if not self.keys.issuperset(keys):
            return None
        self.keys.discard(keys[-1])
        return self.found


def fetch_person(user_id: int, name: str) -> Fetched:
    """One round trip for `name` of the person and every value registered by `read_along_with_person`."""
    keys: dict[str, None] = {}
    for each, shared in ((name, ()), *_ALONG_WITH_PERSON.items()):
        keys.update(dict.fromkeys(_keys(each, user_id, shared)))
    return Fetched(list(keys))


Read = tuple[str, int, tuple[str, ...]]  # what read_through is given: the name, the person, shared generations


def prefetch(reads: Iterable[Read], *, keys: Iterable[str] = ()) -> Fetched:
    """One round trip for several values, each then read by `read_through(name, user_id, ..., shared=shared,
    fetched=...)` with the same arguments (and for plain cache `keys`, taken with `Fetched.take`). For a page
    that reads several kept values (the navigation's counts, a home's sections): one round trip, not one each.
    Take it after the request's writes: the generations it brings are those of the moment it was taken."""
    wanted: dict[str, None] = {}
    for name, user_id, shared in reads:
        wanted.update(dict.fromkeys(_keys(name, user_id, shared)))
    wanted.update(dict.fromkeys(keys))
    return Fetched(list(wanted))


# What every page of a person reads (the layout's counts), by the layer that draws it: a function of the request.
_PAGE_READS: list[Callable[[Any], Iterable[Read]]] = []


def read_with_every_page(reads_of: Callable[[Any], Iterable[Read]]) -> Callable[[Any], Iterable[Read]]:
    """Register what a layer's part of every page reads (decorator), so `page_cache` brings it in its round trip."""
    _PAGE_READS.append(reads_of)
    return reads_of


def page_cache(request, *, reads: Iterable[Read] = (), keys: Iterable[str] = ()) -> Fetched:
    """The kept values this request's page reads, in one round trip: what every page reads (`read_with_every_page`)
    and, on the first call, the view's own `reads` and `keys`. The first call takes it, so a view that writes calls
    this after its writes (or leaves it to the layout, which calls it as it draws)."""
    fetched = getattr(request, "_page_cache", None)
    if fetched is None:
        wanted = [read for reads_of in _PAGE_READS for read in reads_of(request)]
        fetched = request._page_cache = prefetch([*wanted, *reads], keys=keys)
    return fetched


def _keys(name: str, user_id: int, shared: Iterable[str]) -> list[str]:
    """The generation keys the value depends on, then the value's own key."""
    return [_person_key(user_id), *(_shared_key(s) for s in shared), _value_key(name, user_id)]


def read_through(name: str, user_id: int, compute: Callable[[], T], *, shared: Iterable[str] = (),
                 fetched: Fetched | None = None, valid: Callable[[T], bool] | None = None) -> T:
    """The value `name` of person `user_id`: from the cache while the person's generation (and those of `shared`)
    are the ones it was stored under (and `valid` accepts it, when given), else `compute()`d and stored. One cache
    round trip on a hit, or none when `fetched` already brought it."""
    keys = _keys(name, user_id, shared)
    *generation_keys, value_key = keys
    found = fetched.take(keys) if fetched is not None else None
    if found is None:
        found = cache.get_many(keys)
    for key in generation_keys:
        if not found.get(key):
            found[key] = _new_generation(key)  # kept, so that the values read along with this one agree on it
    generations = tuple(found[key] for key in generation_keys)
    stored = found.get(value_key)
    if stored is not None and stored[0] == generations and (valid is None or valid(stored[1])):
        return stored[1]
    value = compute()
    cache.set(value_key, (generations, value), VALUE_SECONDS)
    return value


def _new_generation(key: str) -> str:
    # If another process set one meanwhile, this token matches nothing stored: a miss, never a stale read.
    token = secrets.token_hex(8)
    cache.add(key, token, GENERATION_SECONDS)
    return token


def forget_people(user_ids: Iterable[int | None]) -> None:
    """Everything cached about these people is stale: now, and again once the current transaction commits.

    Now, so that this transaction's own later reads see its change; again on commit, because another request may
    read the rows as they were before the commit and store them under the generation set now.
    """
    keys = [_person_key(pk) for pk in set(user_ids) if pk is not None]
    if keys:
        _replace(keys)
        transaction.on_commit(lambda: _replace(keys))


def forget_person(user_id: int | None) -> None:
    forget_people([user_id])


def forget_shared(name: str) -> None:
    """Every person's values read under the shared generation `name` are stale (now, and again on commit)."""
    keys = [_shared_key(name)]
    _replace(keys)
    transaction.on_commit(lambda: _replace(keys))


def _replace(keys: list[str]) -> None:
    cache.set_many({key: secrets.token_hex(8) for key in keys}, GENERATION_SECONDS)


def model_state(instance, *, leave_out: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """A model row as (field names, values), to be rebuilt by `from_state`. A field left out is loaded from the
    database if the rebuilt instance is ever asked for it."""
    names = tuple(f.attname for f in instance._meta.concrete_fields if f.attname not in leave_out)
    return names, tuple(_plain(getattr(instance, name)) for name in names)


def _plain(value: Any) -> Any:
    return value.name if isinstance(value, FieldFile) else value


def from_state(model, state: tuple[tuple[str, ...], tuple[Any, ...]]):
    """The instance, rebuilt as unpickling rebuilds one (no __init__): a field not in `state` is deferred."""
    names, values = state
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = router.db_for_read(model)
    return instance
