package cg;

public interface Service {
    void serve();
}
