package cg;

public class Impl1 extends Base {
    @Override
    void work() {
        Sink.fromImpl1();
    }
}
