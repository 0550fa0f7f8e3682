package cg;

public final class Switches {
    private Switches() {
    }

    static int pick(int mode) {
        int[] table = {3, 1, 4, 1, 5, 9, 2, 6};
        switch (mode) {
            case 0: return table[0];
            case 1: return table[1] + Sink.afterSwitch();
            case 2: return table[2];
            case 3: return table[3];
            default: return -1;
        }
    }
}
