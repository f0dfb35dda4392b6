import unscathed


def test_every_public_name_resolves():
    for name in unscathed.__all__:
        assert getattr(unscathed, name) is not None
