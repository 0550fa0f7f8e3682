package cg;

/** Never instantiated: an interface call must not reach it. */
public class UnusedService implements Service {
    @Override
    public void serve() {
        Sink.unreached();
    }
}
