package vx.sdk;

/** Another vendor's code that makes a Handler of its own (never given to cg.Poster). */
public final class Vendor {
    static VendorHandler handler;

    private Vendor() {
    }

    public static void start() {
        handler = new VendorHandler();
    }
}
