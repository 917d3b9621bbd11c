; Inno Setup script: packs dist\omix-desktop\ (from `pyinstaller packaging\omix.spec`)
; into OMIX-Desktop-<version>-setup.exe.
;
;     iscc /DAppVersion=0.1.0 packaging\windows\omix-desktop.iss
;
; Per-user install by default (no administrator rights needed in a lab), with
; Start menu entries for the app and for the local archive server.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6C0E2A7B-5D0B-4B8B-9D43-0E1F4A6C7B21}
AppName=OMIX Desktop
AppVersion={#AppVersion}
AppPublisher=OMIX Desktop contributors
DefaultDirName={autopf}\OMIX Desktop
DefaultGroupName=OMIX Desktop
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=OMIX-Desktop-{#AppVersion}-setup
SetupIconFile=..\icons\omix.ico
UninstallDisplayIcon={app}\omix-desktop.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesInstallIn64BitMode=x64compatible

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Files]
Source: "..\..\dist\omix-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\OMIX Desktop"; Filename: "{app}\omix-desktop.exe"
Name: "{group}\OMIX archive server (local)"; Filename: "{app}\omix-server.exe"
Name: "{autodesktop}\OMIX Desktop"; Filename: "{app}\omix-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
Filename: "{app}\omix-desktop.exe"; Description: "{cm:LaunchProgram,OMIX Desktop}"; Flags: nowait postinstall skipifsilent
