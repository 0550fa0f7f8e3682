package cg;

/** A chain 21 calls deep (for the depth limit). */
public final class Deep {
    private Deep() {
    }

    static void d0() {
        d1();
    }

    static void d1() {
        d2();
    }

    static void d2() {
        d3();
    }

    static void d3() {
        d4();
    }

    static void d4() {
        d5();
    }

    static void d5() {
        d6();
    }

    static void d6() {
        d7();
    }

    static void d7() {
        d8();
    }

    static void d8() {
        d9();
    }

    static void d9() {
        d10();
    }

    static void d10() {
        d11();
    }

    static void d11() {
        d12();
    }

    static void d12() {
        d13();
    }

    static void d13() {
        d14();
    }

    static void d14() {
        d15();
    }

    static void d15() {
        d16();
    }

    static void d16() {
        d17();
    }

    static void d17() {
        d18();
    }

    static void d18() {
        d19();
    }

    static void d19() {
        d20();
    }

    static void d20() {
        Sink.deepest();
    }
}
