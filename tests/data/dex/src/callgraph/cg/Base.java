package cg;

public abstract class Base {
    abstract void work();
}
