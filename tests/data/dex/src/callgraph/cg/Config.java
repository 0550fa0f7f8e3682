package cg;

public final class Config {
    static final int VALUE = Integer.getInteger("cg.mode", 0);
    static String serial;

    static {
        serial = android.os.Build.SERIAL;
    }

    private Config() {
    }
}
