package cg;

public final class Runner {
    private Runner() {
    }

    static void go(Block block) {
        block.invoke();
    }
}
