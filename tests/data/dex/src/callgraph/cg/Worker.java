package cg;

public class Worker extends Thread {
    @Override
    public void run() {
        Sink.fromWorker();
    }
}
