"""Every search document a domain registers (``kernel.registry.search_documents``) finds what
the actor may see by every word typed, and nothing the actor may not see."""

from __future__ import annotations

import pytest

from kernel.registry import search_documents
from kernel.tenancy import tenant_context
from tests.roster.world import add_people, add_wave
from tests.world import build_world


@pytest.mark.django_db
def test_every_search_document_narrows_what_the_actor_sees():
    alpha, beta = build_world("Alpha"), build_world("Beta")
    for built in (alpha, beta):  # the roster's people are there to be found too
        with tenant_context(built.tenant):
            add_people(built, add_wave(built), 1, prefix=f"{built.tenant.name} agent")
    assert "engagement" in search_documents
    for document in search_documents:
        assert document.kind and document.label and document.fields
        with tenant_context(alpha.tenant):
            seen = document.visible(alpha.pmo)
            assert seen.exists()
            for field in document.fields:
                text = str(getattr(seen.first(), field))
                found = document.search(actor=alpha.pmo, text=text.upper())
                assert list(found) and set(found) <= set(seen)
            assert not document.search(actor=alpha.pmo, text="Beta").exists()
            assert not document.search(actor=alpha.pmo, text="Alpha nowhere-typed").exists()
        with tenant_context(beta.tenant):
            theirs = document.visible(beta.pmo).first()
            text = str(getattr(theirs, document.fields[0]))
            assert "Beta" in text and document.search(actor=beta.pmo, text=text).exists()
