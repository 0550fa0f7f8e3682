package cg;

public class ServiceImpl implements Service {
    @Override
    public void serve() {
        Sink.fromService();
    }
}
