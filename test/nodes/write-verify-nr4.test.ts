// Verified writes through a real Node-RED 4.1 runtime: two writers of one parameter.
import { defineWriteVerify } from './write-verify';

defineWriteVerify('node-red');
