package org.piscan.sample.overperm;

import android.content.Context;
import android.hardware.camera2.CameraAccessException;
import android.hardware.camera2.CameraManager;

/**
 * The only thing this app really does: turn the camera flash on as a torch.
 * It reads no personal information although the manifest asks for plenty.
 */
final class Torch {
    private Torch() {
    }

    static boolean turnOn(Context context) {
        // "camera" is Context.CAMERA_SERVICE (API 21).
        CameraManager cameras = (CameraManager) context.getSystemService("camera");
        try {
            String[] ids = cameras.getCameraIdList();
            if (ids.length == 0) {
                return false;
            }
            cameras.setTorchMode(ids[0], true);
            return true;
        } catch (CameraAccessException e) {
            return false;
        }
    }
}
