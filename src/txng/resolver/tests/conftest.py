from txng.codes.tests.fixtures import make_batch, producer, product

__all__ = ["make_batch", "producer", "product"]
