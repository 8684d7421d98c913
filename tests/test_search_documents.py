"""Every search document a domain registers (``kernel.registry.search_documents``) finds what
the actor may see by every word typed, and nothing the actor may not see."""

from __future__ import annotations

import pytest

from kernel.registry import search_documents
from kernel.tenancy import tenant_context
from tests.search.world import plant
from tests.world import build_world


@pytest.mark.django_db
def test_every_search_document_narrows_what_the_actor_sees():
    alpha, beta = build_world("Alpha"), build_world("Beta")
    plant(alpha, "alphaword")  # something of every kind to be found in each tenant
    plant(beta, "betaword")
    assert "engagement" in search_documents
    for document in search_documents:
        assert document.kind and document.label and document.fields and document.url
        with tenant_context(alpha.tenant):
            seen = document.visible(alpha.pmo)
            assert seen.exists()
            for field in document.fields:
                text = str(getattr(seen.first(), field))
                found = document.search(actor=alpha.pmo, text=text.upper())
                assert list(found) and set(found) <= set(seen)
            mine = document.search(actor=alpha.pmo, text="ALPHAWORD")
            assert mine.count() == 1 and document.url(mine.get()).startswith("/")
            assert not document.search(actor=alpha.pmo, text="betaword").exists()
            assert not document.search(actor=alpha.pmo, text="alphaword nowhere-typed").exists()
        with tenant_context(beta.tenant):
            assert document.search(actor=beta.pmo, text="betaword").count() == 1
