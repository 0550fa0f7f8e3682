package androidx.core.content;

import android.content.Context;
import android.content.pm.PackageManager;
import android.os.Process;

/** Stand-in for androidx.core.content.PermissionChecker (pi-scan's own code, not AndroidX's). */
public final class PermissionChecker {
    public static final int PERMISSION_GRANTED = PackageManager.PERMISSION_GRANTED;

    private PermissionChecker() {}

    public static int checkSelfPermission(Context context, String permission) {
        return context.checkPermission(permission, Process.myPid(), Process.myUid());
    }
}
