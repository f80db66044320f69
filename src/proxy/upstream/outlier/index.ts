// Outlier detection for a cluster: settings from outlier_detection, the detector, and the view the
// admin's /clusters prints.
export { parseOutlierDetection, type OutlierSettings } from './outlier-config.js';
export { OutlierDetectorImpl, type OutlierDetectorOwner } from './detector.js';
export { outlierAdminView } from './admin-view.js';
