package cg;

public interface Block {
    void invoke();
}
