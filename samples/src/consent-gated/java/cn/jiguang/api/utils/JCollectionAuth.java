package cn.jiguang.api.utils;

import android.content.Context;

/**
 * STAND-IN written for pi-scan's samples; NOT JIGUANG's code. Same package,
 * class and method as the real SDK's privacy switch (setAuth(context, true)
 * once the user has agreed).
 */
public final class JCollectionAuth {
    static boolean enabled;

    private JCollectionAuth() {
    }

    public static void setAuth(Context context, boolean auth) {
        enabled = auth;
    }
}
