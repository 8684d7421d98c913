from django.contrib import admin


def test_admin_labels_read_as_english():
    plurals = {str(model._meta.verbose_name_plural) for model in admin.site._registry}
    assert {"milestone dependencies", "KPI measurements", "review KPI results"} <= plurals
    assert not any(label.endswith("ys") for label in plurals)
