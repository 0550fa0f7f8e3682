package cg;

public class Impl2 extends Base {
    @Override
    void work() {
        Sink.fromImpl2();
    }
}
