package android.hardware.camera2;

/**
 * Compile-time stub of the framework class (never dexed into a sample).
 * camera2 is API 21 and setTorchMode() is API 23; neither is in the
 * API 17 android.jar.
 */
public final class CameraManager {
    CameraManager() {
        throw new RuntimeException("Stub!");
    }

    /** API 21. */
    public String[] getCameraIdList() throws CameraAccessException {
        throw new RuntimeException("Stub!");
    }

    /** API 23. */
    public void setTorchMode(String cameraId, boolean enabled) throws CameraAccessException {
        throw new RuntimeException("Stub!");
    }
}
