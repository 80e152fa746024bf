// Verified writes through a real Node-RED 5 runtime: two writers of one parameter.
import { defineWriteVerify } from './write-verify';

defineWriteVerify('node-red-5');
