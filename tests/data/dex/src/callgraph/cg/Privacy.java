package cg;

import android.content.Context;

/** A privacy switch like JCollectionAuth.setAuth(context, auth): its argument is read. */
public final class Privacy {
    static boolean auth;

    private Privacy() {
    }

    public static void setAuth(Context context, boolean value) {
        auth = value;
    }
}
