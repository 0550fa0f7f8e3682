package android.hardware.camera2;

/** Compile-time stub of the framework class (API 21; never dexed into a sample). */
public class CameraAccessException extends android.util.AndroidException {
    public CameraAccessException(int problem) {
        throw new RuntimeException("Stub!");
    }
}
