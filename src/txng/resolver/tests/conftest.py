from txng.codes.tests.fixtures import forget_hot_lookups, make_batch, producer, product

__all__ = ["forget_hot_lookups", "make_batch", "producer", "product"]
