import gc
import threading

from txng.core.gcpause import gc_paused


def test_the_collector_is_paused_inside_and_enabled_again_after_the_last_overlapping_pause():
    assert gc.isenabled()
    entered, release = threading.Event(), threading.Event()

    def other():
        with gc_paused():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with gc_paused():
        assert not gc.isenabled()
        thread.start()
        entered.wait(5)
    assert not gc.isenabled()  # the other thread is still inside its pause
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_pause_ended_by_an_exception_enables_the_collector_again():
    try:
        with gc_paused():
            raise KeyError
    except KeyError:
        pass
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
